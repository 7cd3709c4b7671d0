"""Given names of the main EU languages: short forms, spelling variants, gendered pairs.

Written as customary (accents kept); `cop/names.py` folds them into the matcher's form and
merges them with its own tables. A short form is a close match for its formal name (Dutch Jaap
for Jacob); a gendered pair (Giovanni, Giovanna) is two different people, never a slip of the
keyboard, so it is neither a typo nor a close match.
"""

from __future__ import annotations

# formal name | short forms and pet names in everyday use
SHORT_FORMS = """
Jacob | Jaap; Koos; Jaak
Jacobus | Jaap; Koos; Co
Cornelis | Kees; Cor; Corné
Pieter | Piet; Pier
Hendrik | Henk; Hein; Rik
Willem | Wim; Pim
Johannes | Joop; Jan; Hannes; Johan
Nicolaas | Klaas; Niek
Abraham | Bram
Gerardus | Gerard; Gert; Geert
Adrianus | Adrie; Arie; Janus
Antonius | Toon; Teun; Ton
Gijsbertus | Gijs
Matthijs | Thijs
Sebastiaan | Bas
Wilhelmina | Mina; Wil
Geertruida | Truus; Geertje
Johanna | Joke; Hanneke; Jo; Hanna
Josef | Sepp; Jupp; Pepi
Wilhelm | Willi; Willy; Wim
Ulrich | Uli
Wolfgang | Wolf
Gerhard | Gerd
Bernhard | Bernd
Konrad | Kurt
Ludwig | Lutz
Rudolf | Rudi
Gabriele | Gabi
Franziska | Franzi
Susanne | Susi
Katharina | Käthe
Francisco | Paco; Quico; Curro
Francisca | Paqui; Paca
Rafael | Rafa
Santiago | Santi
Jesús | Chus; Chucho; Chuy
Consuelo | Chelo
Pilar | Pili
Ignacio | Nacho
Luigi | Gigi
Raffaele | Lello
Salvatore | Totò; Turi
Ferdinando | Nando
Giuseppina | Pina
Elisabetta | Betta
Federico | Fede
Frédéric | Fred
Emmanuel | Manu
Nicolas | Nico
Sébastien | Seb
Stéphane | Steph
Véronique | Véro
Dominique | Domi
André | Dédé
Joaquim | Quim
José | Zé
Manuel | Manel
Margarida | Guida
Fernando | Nando
Stanisław | Staszek; Stasiek; Stach
Jakub | Kuba
Bartłomiej | Bartek
Maciej | Maciek
Grzegorz | Grzesiek; Grześ
Zbigniew | Zbyszek
Jerzy | Jurek
Ryszard | Rysiek
Władysław | Władek
Zofia | Zosia
Maria | Marysia; Mia
Jan | Honza; Janek; Jenda
František | Franta
Jiří | Jirka
Antonín | Tonda
Václav | Vašek
Kateřina | Katka
László | Laci
István | Pisti; Pista
József | Józsi; Jóska
Ferenc | Feri
György | Gyuri
Sándor | Sanyi
Zoltán | Zoli
János | Jani
Katalin | Kati; Kata
Erzsébet | Erzsi; Böbe
Zsuzsanna | Zsuzsa; Zsuzsi
Lars | Lasse
Nils | Nisse
Karl | Kalle
Per | Pelle
Kristina | Stina
Stylianos | Stelios
Emmanouil | Manolis
Eleftherios | Lefteris
Efstathios | Stathis
Michail | Michalis
Fotios | Fotis
Panagiota | Giota; Toula
Kalliopi | Popi
Gheorghe | Gică
Constantin | Costel; Costică
Nicolae | Nicu
"""

# Spellings and romanisations of one name (a close match, not a match).
VARIANTS = """
Christos Hristos Xristos
Jacob Jakob Jacobus
Johann Johan
Katharina Katarina Katherina
Henrik Hendrik Heinrik
"""

# Masculine and feminine forms of a name: two people, whatever the edit distance.
GENDERED = """
Giovanni Giovanna | Francesco Francesca | Jan Jana | Mario Maria | Paolo Paola | Carlo Carla
Roberto Roberta | Giulio Giulia | Antonio Antonia | Daniele Daniela | Stefano Stefania
Alessandro Alessandra | Luigi Luigia | Simone Simona | Pietro Pietra | Fabio Fabia
Juan Juana | José Josefa | Francisco Francisca | Luis Luisa | Manuel Manuela
Fernando Fernanda | Alejandro Alejandra | Pablo Paula | Julio Julia | Ángel Ángela
Rafael Rafaela | Gabriel Gabriela | João Joana | Paulo Paula | Luís Luísa
Petr Petra | Pavel Pavla | Martin Martina | Michal Michala | Josef Josefa | Karel Karla
Jaroslav Jaroslava | Stanislav Stanislava | Miroslav Miroslava | Zdeněk Zdeňka
Vladimír Vladimíra | Stanisław Stanisława | Bogdan Bogdana | Wiesław Wiesława
Jarosław Jarosława | Mirosław Mirosława | Czesław Czesława | Józef Józefa
Franciszek Franciszka | Aleksander Aleksandra | Kazimierz Kazimiera | Roman Romana
Christian Christiane | Daniel Daniela | Michael Michaela | Paul Paula | Alexander Alexandra
Gabriel Gabriele | Johann Johanna | Stefan Stefanie | Andreas Andrea | Carl Carla
Jean Jeanne | Louis Louise | Michel Michèle | Daniel Danielle | Pascal Pascale
Denis Denise | Frédéric Frédérique | Gabriel Gabrielle | Joël Joëlle | Emmanuel Emmanuelle
René Renée | André Andrée | Noël Noëlle | Julien Julienne | Marcel Marcelle
Lucien Lucienne | Simon Simone | François Françoise | Christian Christine
Konstantinos Konstantina | Georgios Georgia | Ioannis Ioanna | Dimitrios Dimitra
Nikolaos Nikoleta | Vasileios Vasiliki | Panagiotis Panagiota | Evangelos Evangelia
Athanasios Athanasia | Stavros Stavroula | Alexandros Alexandra | Theodoros Theodora
Johannes Johanna | Hendrik Hendrika | Cornelis Cornelia | Jacobus Jacoba | Jacob Jacoba
Adriaan Adriana | Antonius Antonia | Willem Willemijn | Gerrit Gerritje
Nicola Nicoletta | Emil Emilia | Ivan Ivana | Milan Milana | Goran Gorana
"""

# Common given names of EU countries, so that two of them a slip apart (Jaap, Jaak) are two
# people, and so that a name's order can be read (a given name first or last).
COMMON = """
Adriaan Anneke Annemarie Arjen Bart Bas Bram Daan Dirk Ellen Erik Femke Floor Frits Geert
Gerrit Gijs Hanneke Harm Hein Henk Ineke Jaap Jeroen Joost Joris Kees Klaas Koen Lieke Marijke
Maarten Marloes Mieke Niels Pieter Piet Reinier Rik Roel Ruud Sander Sanne Sjoerd Stijn Teun
Thijs Tim Wim Wouter Yvonne Joke Truus Anouk Ingrid Liesbeth Thijs Willemijn Hendrika
Albrecht Anke Bernd Dagmar Detlef Dirk Eckhard Elke Friederike Gerd Gisela Hannelore Heike
Heinz Hildegard Ilse Jutta Karl Konrad Kurt Lutz Margarete Matthias Otto Rolf Rudolf Sepp
Siegfried Sophie Udo Ursula Volker Walter Wilhelm Wolf Gabi Franzi Susi Uli Willi Jupp
Amandine Aurélie Bernard Céline Élodie Émile Florence Gaston Gilles Hélène Jeanne Josette
Jules Juliette Léa Léon Lucien Mathilde Maxime Noémie Odette Philippe Raphaël Régis Sandrine
Solange Stéphane Sylvain Thibault Yannick Manu Fred Nico Seb
Agostino Alessio Ambra Angelo Arianna Beppe Bianca Carmela Cesare Concetta Elisa Ettore Franco
Gaetano Gianni Gigi Gino Ilaria Lello Lorenza Marcello Mimmo Nunzia Ornella Pasquale Pino
Rocco Sabrina Sandro Teresa Tiziana Totò Vittoria Vittorio Paola Pietra Luigia Simona Fabia
Adolfo Amparo Ángel Cayetana Chus Encarnación Fermín Inés Josefa Juana Lola Lucía Macarena
Nacho Paco Pepe Pili Rafa Santi Soledad Yolanda Josefa Paqui Rafaela Alejandra
Afonso Bernardo Catarina Duarte Fábio Gonçalo Henrique Joana Leonor Mafalda Quim Rui Tiago
Vasco Zé Guida Manel
Bartek Bogdana Bronisław Czesław Danuta Grażyna Halina Jarosław Kazimierz Kuba Maciej Maciek
Mieczysław Mirosław Ryszard Staszek Stanisława Tadeusz Wiesława Władysław Zbyszek Zosia Jurek
Bohumil Dana Eva Honza Hana Jaroslava Jiří Jitka Kamila Karel Kateřina Ladislav Lenka Libor
Marie Michala Miroslav Miroslava Pavla Petra Radek Věra Vladimír Zdeněk Zdeňka Franta Jirka
Ágnes Andrea Attila Béla Csaba Dénes Erzsébet Ferenc Gábor Gergely Gyula Ildikó István János
József Judit Katalin Krisztina László Levente Márta Mihály Miklós Noémi Orsolya Pál Sándor
Tamás Tibor Zoltán Zsófia Zsolt Zsuzsanna Laci Pisti Feri Gyuri Zoli Kati Eszter Imre Ilona
Agneta Birgitta Bo Gustav Göran Ingvar Lasse Kalle Maja Mikael Nisse Olof Pelle Stina Sören
Søren Åsa Åse Aage Åge Kjeld Bjørn Jørgen Kirsten Mette Niels Sigrid Ulla
Aikaterini Angeliki Christos Eleftherios Fotis Giota Kalliopi Lefteris Manolis Michalis
Nikoleta Popi Sotiris Stathis Stelios Stavroula Theodora Athanasia Evangelia
Ana Andrei Bogdan Cristian Florin Gheorghe Ioana Ionuț Mihaela Mircea Radu Răzvan Sorin
Ștefan Vasile Costel Nicu
Aleksandar Dragan Goran Ivica Marija Milan Milana Nikola Stjepan Zoran Ivana Gorana
Aušra Jonas Mārtiņš Matīss Jüri Tõnu Kristjan Liis Mari Toomas Ülle Hristo Stoyan Dimitar
Petar Yanko Angel Georgi Mariya Nikolay
"""
